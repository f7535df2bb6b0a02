// Value formats more than one layer checks (the config's rules, the wizards as you type, the
// setup questions): one definition each.

/** One OpenSSH public key line: type, base64 key, optional comment. */
export const SSH_PUBLIC_KEY =
  /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/;

/** A Linux user name as useradd and cloud-init accept it. */
export const LINUX_USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
