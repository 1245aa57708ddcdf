// Process warnings of the local edge's own processes (npm start and the resizer's instances).

/** The AWS SDK warns at every start that its 2027 releases need Node 22: nothing to act on here. */
export function quietSdkNodeWarning(): void {
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (!warning.message.startsWith('NodeVersionSupportWarning')) for (const print of printers) print(warning);
  });
}
