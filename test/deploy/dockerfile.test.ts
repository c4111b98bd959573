// A structural lint of deploy/images/Dockerfile (hadolint is not available): the build and both
// runtime targets exist, base images are pinned (no `latest`), every runtime target ends as a
// non-root USER, apt lists are cleaned, and what the node image needs is copied in.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from './kustomize.js';

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Parses instructions (line continuations joined, comments dropped) into build stages. */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [op, ...rest] = line.split(/\s+/);
    const instruction = { op: op.toUpperCase(), args: rest.join(' ') };
    if (instruction.op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      assert.ok(m, `bad FROM: ${line}`);
      stages.push({ from: m[1], name: m[2], instructions: [] });
    } else if (stages.length === 0) {
      assert.equal(instruction.op, 'ARG', `only ARG may precede the first FROM: ${line}`);
      const [k, v = ''] = instruction.args.split('=');
      args.set(k, v);
    } else stages[stages.length - 1].instructions.push(instruction);
  }
  return { args, stages };
}

const text = readFileSync(join(REPO_ROOT, 'deploy/images/Dockerfile'), 'utf8');
const { args, stages } = parseDockerfile(text);
const stage = (name: string) => stages.find((s) => s.name === name);
const resolveImage = (from: string) => from.replace(/\$\{(\w+)\}/g, (_, k: string) => args.get(k) ?? '');

/** Runtime stages inherit instructions from the stage they are FROM. */
function lineage(s: Stage): Stage[] {
  const parent = stages.find((p) => p.name === s.from);
  return parent ? [...lineage(parent), s] : [s];
}

describe('deploy/images/Dockerfile', () => {
  test('has the build stage and the controller and node targets', () => {
    for (const name of ['build', 'runtime-base', 'controller', 'node'])
      assert.ok(stage(name), `stage ${name}`);
  });

  test('base images are pinned Debian bookworm Node 20 images, never latest', () => {
    for (const s of stages) {
      if (stage(s.from)) continue;
      const image = resolveImage(s.from);
      assert.match(image, /^node:20(\.\d+)*-bookworm(-slim)?$/, `${s.name}: ${image}`);
      assert.doesNotMatch(image, /:latest$|^[^:]+$/);
    }
    assert.match(resolveImage(stage('runtime-base')?.from ?? ''), /-slim$/);
  });

  test('the build stage compiles the BPF object and the addon', () => {
    const run =
      stage('build')
        ?.instructions.filter((i) => i.op === 'RUN')
        .map((i) => i.args) ?? [];
    assert.ok(run.some((r) => /clang/.test(r) && /libbpf-dev/.test(r) && /bpftool/.test(r)));
    assert.ok(run.some((r) => /npm run build\b/.test(r) && /npm run build:bpf/.test(r)));
  });

  test('each runtime target ends as a non-root user', () => {
    for (const name of ['controller', 'node']) {
      const s = stage(name) as Stage;
      const users = lineage(s)
        .flatMap((x) => x.instructions)
        .filter((i) => i.op === 'USER');
      assert.ok(users.length > 0, `${name} sets no USER`);
      assert.doesNotMatch(users[users.length - 1].args, /^(root|0)(:|$)/, `${name} ends as root`);
    }
  });

  test('apt lists are removed in the same layer they are created', () => {
    for (const s of stages)
      for (const i of s.instructions)
        if (i.op === 'RUN' && /apt-get install/.test(i.args)) {
          assert.match(i.args, /--no-install-recommends/);
          if (s.name !== 'build') assert.match(i.args, /rm -rf \/var\/lib\/apt\/lists/);
        }
  });

  test('the node image carries libbpf, the BPF object and the addon; the controller image none', () => {
    const node = (stage('node') as Stage).instructions.map((i) => `${i.op} ${i.args}`).join('\n');
    assert.match(node, /libbpf1/);
    assert.match(node, /libelf1/);
    assert.match(node, /semamesh\.bpf\.o/);
    assert.match(node, /addon\/build\/Release/);
    const controller = (stage('controller') as Stage).instructions.map((i) => i.args).join('\n');
    assert.doesNotMatch(controller, /libbpf|bpf\.o/);
  });

  test('the build context leaves out node_modules, build output and git', () => {
    const ignore = join(REPO_ROOT, 'deploy/images/Dockerfile.dockerignore');
    assert.ok(existsSync(ignore));
    const entries = readFileSync(ignore, 'utf8').split('\n');
    for (const e of ['node_modules', 'dist', '.git', 'bpf/build']) assert.ok(entries.includes(e), e);
  });

  test('the parser rejects a Dockerfile with an instruction before FROM', () => {
    assert.throws(() => parseDockerfile('RUN true\nFROM node:20-bookworm'));
  });
});
