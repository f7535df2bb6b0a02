// Phoenix decides interactivity from the terminal itself, not from the CI variable.
export default false;
