// Faults on demand, to exercise Phoenix's failure paths.
//
// Sources (merged): the JSON in env PVE_SIM_FAULTS and the file $PVE_SIM_DIR/faults.json.
// Format (every field optional):
//   {
//     "fail": [                      // fail the Nth call matching tool + args
//       { "tool": "qm",              //   qm|pct|pvesh|pvesm|pveam|ssh (omit = any tool)
//         "args": "^clone 9000 ",    //   regex tested against the arguments joined by spaces
//         "nth": 2,                  //   1-based index among matching calls (default 1)
//         "count": 1,                //   how many matching calls fail from the Nth on (default 1; 0 = all)
//         "exit": 255,               //   exit status (default 255)
//         "stderr": "clone failed: disk error",   // printed with a trailing newline
//         "stdout": "" }             //   optional stdout before the failure
//     ],
//     "holdLock": [101],             // config lock of these guests is held: after the lock timeout
//                                    //   (PVE_SIM_LOCK_TIMEOUT, default 10 s) `can't lock file ... got timeout`
//     "agentNeverUp": [101],         // the guest agent of these VMs never responds
//     "cloudInitError": [101],       // cloud-init finishes with errors: `cloud-init status` exits 2
//     "storageFull": ["local-lvm"],  // allocating a volume on these storages fails
//     "shutdownHangs": [101]         // the guest ignores shutdown: qm shutdown → `VM quit/powerdown
//                                    //   failed - got timeout`, pct shutdown → `container did not stop`
//                                    //   (with --forceStop it is stopped anyway)
//   }
// Counters for "fail" rules persist in $PVE_SIM_DIR/sim/fault-counters.json, so "the 2nd clone"
// counts across processes.
import { paths, type SimEnv } from './env.js';
import { readJson, writeAtomic } from './fsutil.js';
import { withGuestLock } from './lock.js';

export interface FailRule {
  tool?: string;
  args?: string;
  nth?: number;
  count?: number;
  exit?: number;
  stderr?: string;
  stdout?: string;
}

export interface Faults {
  fail?: FailRule[];
  holdLock?: number[];
  agentNeverUp?: number[];
  cloudInitError?: number[];
  storageFull?: string[];
  shutdownHangs?: number[];
}

export function loadFaults(env: SimEnv): Faults {
  const fromFile = readJson<Faults>(`${env.dir}/faults.json`) ?? {};
  let fromEnv: Faults = {};
  if (process.env.PVE_SIM_FAULTS) {
    try {
      fromEnv = JSON.parse(process.env.PVE_SIM_FAULTS) as Faults;
    } catch {
      fromEnv = {};
    }
  }
  return {
    fail: [...(fromEnv.fail ?? []), ...(fromFile.fail ?? [])],
    holdLock: [...(fromEnv.holdLock ?? []), ...(fromFile.holdLock ?? [])],
    agentNeverUp: [...(fromEnv.agentNeverUp ?? []), ...(fromFile.agentNeverUp ?? [])],
    cloudInitError: [...(fromEnv.cloudInitError ?? []), ...(fromFile.cloudInitError ?? [])],
    storageFull: [...(fromEnv.storageFull ?? []), ...(fromFile.storageFull ?? [])],
    shutdownHangs: [...(fromEnv.shutdownHangs ?? []), ...(fromFile.shutdownHangs ?? [])],
  };
}

/** The fail rule that fires for this call, if any (updates the persistent counters). */
export function matchFailure(
  env: SimEnv,
  faults: Faults,
  tool: string,
  args: string[],
): FailRule | undefined {
  const rules = faults.fail ?? [];
  if (!rules.length) return undefined;
  const joined = args.join(' ');
  const matching = rules
    .map((rule, index) => ({ rule, index }))
    .filter(
      ({ rule }) =>
        (!rule.tool || rule.tool === tool) && (!rule.args || new RegExp(rule.args).test(joined)),
    );
  if (!matching.length) return undefined;
  const file = paths.sim(env.dir, 'fault-counters.json');
  // a pseudo guest id 0 serialises counter updates across processes
  return withGuestLock(env.dir, 'qemu', 0, () => {
    const counters = readJson<Record<string, number>>(file) ?? {};
    let fired: FailRule | undefined;
    for (const { rule, index } of matching) {
      const key = `${index}:${rule.tool ?? ''}:${rule.args ?? ''}`;
      const seen = (counters[key] ?? 0) + 1;
      counters[key] = seen;
      const nth = rule.nth ?? 1;
      const count = rule.count ?? 1;
      if (!fired && seen >= nth && (count === 0 || seen < nth + count)) fired = rule;
    }
    writeAtomic(file, JSON.stringify(counters));
    return fired;
  });
}
