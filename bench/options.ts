// The bench's command line, read once:
//   npm run bench [-- --quick | --smoke] [--processes N[,M...]] [--only a,b] [--cpu-prof DIR]
// and what each mode means in seconds and rounds. Every ratio is the median of ROUNDS
// alternating rounds (issue 18: at least five, quick mode too); smoke keeps one, it only proves
// the harness still runs.

export type BenchMode = 'full' | 'quick' | 'smoke';

export interface BenchOptions {
  mode: BenchMode;
  /** Seconds of each measured run. */
  seconds: number;
  /** Seconds of load before each measured run (connections, JIT), not counted. */
  warmupSeconds: number;
  /** Alternating rounds per scenario; each ratio is their median. */
  rounds: number;
  /** Process counts: client_credentials and introspect_api_key run under each (the curve); the rest under the first. */
  processes: number[];
  /** --only a,b: just the scenarios whose names start with these, or the rows so named. */
  only: string[] | undefined;
  /** --cpu-prof DIR: Keyward's workers write V8 CPU profiles there. */
  cpuProfileDir: string | undefined;
  /** Sequential operations per count in the counting phase (Redis commands, Postgres queries). */
  countedOperations: number;
  /** Sign-ins counted in the counting phase (each is a whole browser flow with argon2id). */
  countedSignIns: number;
}

const MODES: Record<BenchMode, Omit<BenchOptions, 'mode' | 'processes' | 'only' | 'cpuProfileDir'>> = {
  full: { seconds: 8, warmupSeconds: 1, rounds: 5, countedOperations: 200, countedSignIns: 20 },
  quick: { seconds: 2, warmupSeconds: 0.5, rounds: 5, countedOperations: 100, countedSignIns: 10 },
  smoke: { seconds: 1, warmupSeconds: 0.5, rounds: 1, countedOperations: 10, countedSignIns: 2 },
};

export function parseBenchOptions(args: readonly string[]): BenchOptions {
  const valueOf = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const mode: BenchMode = args.includes('--smoke') ? 'smoke' : args.includes('--quick') ? 'quick' : 'full';
  const processesFlag = valueOf('--processes');
  const processes = processesFlag ? processesFlag.split(',').map(Number) : defaultCurve(mode);
  if (processes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--processes takes counts such as 1 or 1,2, not ${processesFlag}`);
  return {
    mode,
    ...MODES[mode],
    processes,
    only: valueOf('--only')?.split(','),
    cpuProfileDir: valueOf('--cpu-prof'),
  };
}

/**
 * Whether a scenario runs under --only: a name selects the scenarios it begins, and the scenario
 * of a row it names (client_credentials_pipeline selects client_credentials; verify_* rows all
 * run under "verify").
 */
export function runsScenario(options: BenchOptions, scenario: string): boolean {
  return !options.only || options.only.some((name) => scenario.startsWith(name) || name.startsWith(`${scenario}_`));
}

/** Whether a row of a scenario that runs is measured: under --only, the rows its names begin. */
export function measuresRow(options: BenchOptions, row: string): boolean {
  return !options.only || options.only.some((name) => row.startsWith(name));
}

/** The process counts a mode measures unless told: the curve 1, 2 (smoke: one process). */
function defaultCurve(mode: BenchMode): number[] {
  return mode === 'smoke' ? [1] : [1, 2];
}

/** A run of the mode's whole default set: every scenario, the default curve, no profiler. */
function isWholeRun(options: BenchOptions): boolean {
  return !options.only && !options.cpuProfileDir && options.processes.join(',') === defaultCurve(options.mode).join(',');
}

/** A run whose figures stand for the project (the full bench, whole): it writes bench/results.json and the docs' figures. */
export function isReferenceRun(options: BenchOptions): boolean {
  return options.mode === 'full' && isWholeRun(options);
}

/** Where the run's results go: bench/results.json for a reference run, a file per mode otherwise (not committed). */
export function resultsPath(options: BenchOptions): string {
  if (isReferenceRun(options)) return 'bench/results.json';
  return `bench/results-${isWholeRun(options) ? options.mode : 'partial'}.json`;
}

/** Whether the run appends dated rows to docs/benchmarks.md: every scenario, no profiler, not smoke. */
export function appendsRows(options: BenchOptions): boolean {
  return options.mode !== 'smoke' && !options.only && !options.cpuProfileDir;
}
