// The report socket as the DaemonSet runs the node agent (root): with every capability dropped
// (the container keeps only BPF and NET_ADMIN, neither of which grants file ownership), a member of
// the pod's fsGroup still gives the socket to that group; without the membership it refuses to
// start (coded error) rather than leave a socket the waypoint cannot reach or others can.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
const skip =
  process.getuid?.() !== 0 ? 'needs root' : !SETPRIV ? 'setpriv (util-linux) is not installed' : false;
if (skip) console.log(`# report socket capability test skipped: ${skip}`);

const GROUP = 65532;
const module = new URL('./node-agent-reports.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'sm-report-caps-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('no capabilities: the fsGroup member makes the socket 0660 of the group; a non-member refuses', {
  skip,
}, () => {
  // An emptyDir as the kubelet makes it: world-writable, group = fsGroup (setgid or not: the
  // socket's group is set explicitly either way).
  chownSync(dir, 0, GROUP);
  chmodSync(dir, 0o777);
  const script = join(dir, 'listen.mts');
  writeFileSync(
    script,
    `import { statSync, readFileSync } from 'node:fs';
import { listenReportSocket } from ${JSON.stringify(module)};
const path = process.argv[2];
const caps = readFileSync('/proc/self/status', 'utf8').match(/CapEff:\\s*(\\w+)/)?.[1];
listenReportSocket(path, { directory: undefined, incidents: { open: async () => ({ metadata: {} }) }, log: () => {} }).then(
  async (s) => {
    const st = statSync(path);
    console.log(JSON.stringify({ mode: st.mode & 0o777, uid: st.uid, gid: st.gid, caps }));
    await s.close();
  },
  (e) => console.log(JSON.stringify({ code: e.code, message: e.message, caps })),
);
`,
  );
  const run = (groups: string[], sock: string) =>
    JSON.parse(
      execFileSync(
        SETPRIV as string,
        [
          '--inh-caps=-all',
          '--bounding-set=-all',
          ...groups,
          '--',
          process.execPath,
          '--import',
          'tsx',
          script,
          join(dir, sock),
        ],
        { encoding: 'utf8' },
      )
        .trim()
        .split('\n')
        .at(-1) as string,
    );
  const member = run(['--groups', String(GROUP)], 'a.sock');
  assert.deepEqual(member, { mode: 0o660, uid: 0, gid: GROUP, caps: '0000000000000000' });
  const outsider = run(['--clear-groups'], 'b.sock');
  assert.equal(outsider.code, 'SM_ERR_CONTROLLER_CONFIG');
  assert.match(outsider.message, /cannot restrict .*b\.sock to its directory's group: EPERM/);
});
