import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Share of the sampled time the server's main thread was idle (waiting on I/O). */
  idleShare: number;
  /** Self time by function, highest first. */
  frames: { name: string; where: string; ms: number; share: number }[];
  /** Self time by where the code lives (a package, the kit's sources, Node internals, GC, idle). */
  areas: { area: string; ms: number; share: number }[];
}

/** Where a frame's code lives, coarse enough to read at a glance. */
function areaOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node internals';
  if (/\/dist\/src\//.test(url)) return 'device-grant-kit';
  if (/\/dist\/bench\//.test(url)) return 'bench harness';
  return url;
}

/** Self time per frame and per area of a V8 `.cpuprofile` (as written by `node --cpu-prof`). */
export function summariseProfile(file: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const frames = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const name = functionName || '(anonymous)';
    const where = url ? `${url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${name}@${where}`;
    const entry = frames.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    frames.set(key, entry);
    const area = areaOf(url, name);
    areas.set(area, (areas.get(area) ?? 0) + us);
    total += us;
  }
  const busy = total - (areas.get('(idle)') ?? 0);
  return {
    file: basename(file),
    totalMs: total / 1000,
    idleShare: (areas.get('(idle)') ?? 0) / total,
    frames: [...frames.values()]
      .filter((frame) => frame.name !== '(idle)')
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((frame) => ({ name: frame.name, where: frame.where, ms: frame.us / 1000, share: frame.us / busy })),
    areas: [...areas.entries()]
      .filter(([area]) => area !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([area, us]) => ({ area, ms: us / 1000, share: us / busy })),
  };
}

export function formatProfile(summary: ProfileSummary): string {
  const lines = [
    `${summary.file}: ${summary.totalMs.toFixed(0)} ms sampled, main thread idle ${(summary.idleShare * 100).toFixed(0)}%; shares below are of non-idle time`,
  ];
  lines.push('  by area:');
  for (const area of summary.areas) lines.push(`    ${(area.share * 100).toFixed(1).padStart(5)}%  ${area.area}`);
  lines.push('  top self-time frames:');
  for (const frame of summary.frames) {
    lines.push(`    ${(frame.share * 100).toFixed(1).padStart(5)}%  ${frame.name}  ${frame.where}`);
  }
  return lines.join('\n');
}

// `node dist/bench/profile-top.js FILE...` prints the summaries.
if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  for (const file of process.argv.slice(2)) console.log(formatProfile(summariseProfile(file, 30)) + '\n');
}
