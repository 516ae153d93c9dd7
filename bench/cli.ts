/**
 * The command-line entry of a bench script: runs `main` (sync or async) and turns an
 * error into its message on stderr and exit code 1, without a stack trace.
 *
 * @example
 * if (require.main === module) runMain(main);
 */
export function runMain(main: () => void | Promise<void>): void {
  const fail = (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  };
  try {
    const done = main();
    if (done instanceof Promise) done.catch(fail);
  } catch (error: unknown) {
    fail(error);
  }
}
