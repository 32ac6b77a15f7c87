// A device's side of the status store, against Azurite with the real SDK: the
// report lands in its own blob with conditional writes, a store that is down
// leaves it queued on the device, and a device's credential (a SAS for its own
// blob) cannot write or read another host's report.
import { beforeAll, expect, it } from 'vitest';
import { BlockBlobClient } from '@azure/storage-blob';
import { describeWith } from '../helpers/components.js';
import { azuriteAvailable } from '../helpers/azurite.js';
import type { Azurite } from '../helpers/azurite.js';
import { tempDir } from '../helpers/tmp.js';
import { hostConfig, hostSas, makeContainer, report, simHost, sshKey, azuriteForFile } from './support/store.js';
import { parseEnvelope, reportBlobName } from '../../src/report/blob-store.js';
import { verifyReport } from '../../src/report/report-signature.js';

let azurite: Azurite;

describeWith(azuriteAvailable())('a host writing its report to the status store', () => {
  const store = azuriteForFile();
  beforeAll(() => {
    azurite = store();
  });

  it('lands in hosts/<host>.json with every event since, and an ETag-conditional write never overwrites a newer one', async () => {
    const container = await makeContainer(azurite, 'land');
    const h = await simHost(tempDir(), hostConfig(azurite, 'land', 'motoko', tempDir()), 'motoko');
    await report(h);
    await report(h, 'drifted');
    const blob = container.getBlockBlobClient(reportBlobName('motoko'));
    const envelope = parseEnvelope((await blob.downloadToBuffer()).toString(), 'motoko')!;
    expect(envelope.events.map((e) => e.message)).toEqual(['motoko: report 1 (changed)', 'motoko: report 2 (drifted)']);
    expect(JSON.parse(envelope.statusJson).result).toBe('drifted');
    expect(await h.outbox.list()).toEqual([]);

    // A second writer of the same blob (another agent process, a restored backup) after our last write: our next
    // write is conditional on the ETag we last saw, so it is refused, read again and merged; nothing is lost.
    const other = await simHost(tempDir(), hostConfig(azurite, 'land', 'motoko', tempDir()), 'motoko');
    other.written = 10;
    await report(other);
    await report(h);
    const after = parseEnvelope((await blob.downloadToBuffer()).toString(), 'motoko')!;
    expect(after.events.map((e) => e.message)).toEqual(['motoko: report 1 (changed)', 'motoko: report 2 (drifted)', 'motoko: report 11 (changed)', 'motoko: report 3 (changed)']);
  });

  it('a store that is down leaves the report queued on the device; it goes out with the next one', async () => {
    await makeContainer(azurite, 'down');
    const h = await simHost(tempDir(), hostConfig(azurite, 'down', 'atom', tempDir()), 'atom');
    await azurite.stop();
    try {
      await expect(report(h)).rejects.toThrow(/cannot (read|write) hosts\/atom\.json/);
      expect((await h.outbox.list()).map((e) => e.id)).toEqual(['atom-r1']);
    } finally {
      await azurite.start();
    }
    await report(h);
    const container = await makeContainer(azurite, 'down');
    const envelope = parseEnvelope((await container.getBlockBlobClient(reportBlobName('atom')).downloadToBuffer()).toString(), 'atom')!;
    expect(envelope.events.map((e) => e.reportId)).toEqual(['atom-r1', 'atom-r2']);
    expect(await h.outbox.list()).toEqual([]);
  });

  it("a device's SAS writes its own blob and is refused another host's (write and read), and the error shows no signature of the SAS", async () => {
    const container = await makeContainer(azurite, 'scoped');
    const motoko = await simHost(tempDir(), hostConfig(azurite, 'scoped', 'motoko', tempDir()), 'motoko');
    const atom = await simHost(tempDir(), hostConfig(azurite, 'scoped', 'atom', tempDir()), 'atom');
    await report(atom);
    await report(motoko);
    // motoko's credential aimed at atom's blob, directly with the SDK, as a compromised device would try.
    const forged = new BlockBlobClient(`${azurite.url}/scoped/${reportBlobName('atom')}?${hostSas('scoped', 'motoko')}`);
    await expect(forged.upload('{"forged":true}', 15)).rejects.toMatchObject({ statusCode: 403 });
    await expect(forged.downloadToBuffer()).rejects.toMatchObject({ statusCode: 403 });
    // …and through converge's own store, configured with motoko's SAS but atom's name.
    const impostor = await simHost(tempDir(), { ...hostConfig(azurite, 'scoped', 'motoko', tempDir()) }, 'atom');
    const error = await report(impostor).catch((e: Error) => e);
    expect(String(error)).toMatch(/HTTP 403/);
    expect(String(error)).not.toMatch(/sig=/);
    expect(parseEnvelope((await container.getBlockBlobClient(reportBlobName('atom')).downloadToBuffer()).toString(), 'atom')!.events.map((e) => e.message)).toEqual(['atom: report 1 (changed)']);
  });

  it('a host with a signing key signs its status.json; the signature verifies with its public key and fails for changed bytes or another key', async () => {
    const container = await makeContainer(azurite, 'signed');
    const keys = tempDir();
    const { key, pub } = sshKey(keys, 'motoko');
    const other = sshKey(keys, 'atom');
    const h = await simHost(tempDir(), hostConfig(azurite, 'signed', 'motoko', tempDir(), { signingKey: key }), 'motoko');
    await report(h);
    const envelope = parseEnvelope((await container.getBlockBlobClient(reportBlobName('motoko')).downloadToBuffer()).toString(), 'motoko')!;
    expect(envelope.signature).toMatch(/BEGIN SSH SIGNATURE/);
    expect(await verifyReport('motoko', envelope.statusJson, envelope.signature!, pub)).toBe(true);
    expect(await verifyReport('motoko', envelope.statusJson.replace('changed', 'converged'), envelope.signature!, pub)).toBe(false);
    expect(await verifyReport('motoko', envelope.statusJson, envelope.signature!, other.pub)).toBe(false);
  });
});
