/**
 * A small reader for the apps' Dockerfiles: instructions with line continuations joined and
 * comments dropped, grouped by build stage. Enough to compare their steps with deploy-steps.ts;
 * not a general Dockerfile parser.
 */
import { readFileSync } from 'node:fs';

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, … */
  readonly keyword: string;
  /** The rest of the instruction, continuations joined with single spaces. */
  readonly args: string;
}

export interface Stage {
  /** The FROM arguments (`${NODE_IMAGE} AS build`). */
  readonly from: string;
  readonly instructions: Instruction[];
}

export interface Dockerfile {
  /** ARG and other instructions before the first FROM. */
  readonly preamble: Instruction[];
  readonly stages: Stage[];
}

export function readDockerfile(path: string): Dockerfile {
  const logical: string[] = [];
  let current = '';
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${current}${line}`.trim());
    current = '';
  }
  const preamble: Instruction[] = [];
  const stages: Stage[] = [];
  for (const text of logical) {
    const [keyword = '', ...rest] = text.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') stages.push({ from: instruction.args, instructions: [] });
    else (stages.at(-1)?.instructions ?? preamble).push(instruction);
  }
  return { preamble, stages };
}

/** A RUN's command without its `--mount=…`/`--network=…` flags. */
export function runCommand(instruction: Instruction): string {
  return instruction.args.replace(/^(?:--[a-z]+=\S+\s+)+/, '');
}
