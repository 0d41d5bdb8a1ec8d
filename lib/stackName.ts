// Stack names as the CLIs accept them: also a file name (stacks/Pulumi.<name>.yaml) and a folder name (out/<name>).

/** Throws naming the problem unless `name` is letters, digits, '-', '_' and '.', and not "." or "..". */
export function checkStackName(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || /^\.+$/.test(name)) {
    throw new Error(`stack name ${JSON.stringify(name)} is not valid; allowed: letters, digits, '-', '_' and '.' (not "." or "..")`);
  }
  return name;
}
