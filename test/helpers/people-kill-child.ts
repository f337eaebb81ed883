/**
 * Child process for "a worker killed mid-cluster leaves no half-merged person": clusters the pending
 * faces in one transaction and SIGKILLs itself right after the first person row is written.
 * argv[2]: the store config as JSON.
 */
import { openStore } from '../../src-core/store/open-store.js';
import { PeopleRepo } from '../../src-core/store/repos/people-repo.js';
import { clusterInTransaction } from '../../src-worker/people/clusterer.js';

const store = await openStore(JSON.parse(process.argv[2]!));
const pending = await new PeopleRepo(store.sql).pendingFaceIds();
await clusterInTransaction(store.sql, pending, undefined, {
  afterPersonCreated: () => {
    process.kill(process.pid, 'SIGKILL');
    return new Promise<void>(() => undefined); // never continues
  },
});
process.stdout.write('not killed\n');
process.exit(3);
