// The addon loads lazily and, when it cannot, every entry point says why with a coded error instead
// of crashing at import time: SemaMesh must run without interception where the addon is not built.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { addonStatus, loadAddon, resetAddonCache } from './addon.js';
import { Interceptor } from './interceptor.js';
import { originalDestination } from './sockopt.js';

const saved = process.env.SEMAMESH_BPF_ADDON;

afterEach(() => {
  if (saved === undefined) delete process.env.SEMAMESH_BPF_ADDON;
  else process.env.SEMAMESH_BPF_ADDON = saved;
  resetAddonCache();
});

describe('addon unavailable', () => {
  test('a missing build gives the reason and the command to fix it', async () => {
    process.env.SEMAMESH_BPF_ADDON = '/nonexistent/semamesh_bpf.node';
    resetAddonCache();
    const status = addonStatus();
    assert.equal(status.available, false);
    assert.match(status.available ? '' : status.reason, /not built.*npm run build:bpf/);
    assert.throws(() => loadAddon(), { code: 'SM_ERR_BPF_ADDON_UNAVAILABLE' });
    await assert.rejects(
      new Interceptor().attach({ cgroupPath: 'x', waypoint: { ip: '127.0.0.1', port: 1 } }),
      { code: 'SM_ERR_BPF_ADDON_UNAVAILABLE' },
    );
    assert.throws(() => originalDestination(new Socket()), { code: 'SM_ERR_BPF_ADDON_UNAVAILABLE' });
  });

  test('a corrupt addon file is reported, not thrown at import', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sm-addon-'));
    try {
      const bogus = join(dir, 'semamesh_bpf.node');
      writeFileSync(bogus, 'not an ELF file');
      process.env.SEMAMESH_BPF_ADDON = bogus;
      resetAddonCache();
      const status = addonStatus();
      assert.equal(status.available, false);
      assert.match(status.available ? '' : status.reason, /failed to load/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('methods of a never-attached Interceptor are coded state errors', () => {
    const ic = new Interceptor();
    assert.equal(ic.attached, false);
    assert.throws(() => ic.addTarget({ ip: '127.0.0.2', port: 1 }), { code: 'SM_ERR_BPF_STATE' });
    assert.throws(() => ic.stats(), { code: 'SM_ERR_BPF_STATE' });
  });
});
