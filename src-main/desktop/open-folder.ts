/**
 * The app opens an export's folder with Electron's shell.openPath (the file manager the desktop has,
 * sandbox-safe), not with a process of its own. shell.openPath answers "" on success and the reason
 * otherwise; the API's opener rejects instead.
 */
export function shellFolderOpener(openPath: (folder: string) => Promise<string>): (folder: string) => Promise<void> {
  return async (folder) => {
    const problem = await openPath(folder);
    if (problem) throw new Error(problem);
  };
}
