// ink loads react-devtools-core only when DEV=true; the shipped bundle never does.
export default { initialize() {}, connectToDevTools() {} };
