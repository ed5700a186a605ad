// The CPU time a process has used so far, from Linux's /proc: the database backends' own work per job in
// ab-ours.mjs and floors.mjs, which hardly moves when other processes load the machine.
import { readFileSync } from 'node:fs';

/** CPU microseconds process `pid` has run so far, user and system (schedstat: nanoseconds on a CPU). */
export function cpuMicros(pid) {
	return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
}
