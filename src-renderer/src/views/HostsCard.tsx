import { useEffect } from 'react';
import { useApp } from '../state/context.js';

/** How often the card asks again while shown: machines report every 5 s. */
const REFRESH_MS = 5_000;

/**
 * Every machine serving the queues — this engine's and each `shoebox worker` — with its workers'
 * class, state and last heartbeat. Shown only when another machine has reported; a machine that
 * stopped reporting is marked gone, with the time it was last seen.
 */
export function HostsCard() {
  const hosts = useApp((s) => s.hosts);
  const loadStatus = useApp((s) => s.loadStatus);
  const others = hosts.some((h) => h.role === 'worker');
  useEffect(() => {
    if (!others) return;
    const timer = setInterval(() => void loadStatus(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [others, loadStatus]);
  if (!others) return null;
  return (
    <section className="card" aria-labelledby="hosts-title" data-testid="hosts">
      <h3 id="hosts-title">
        Machines <span className="muted">{hosts.length}</span>
      </h3>
      <table className="lanes">
        <thead>
          <tr>
            <th>Machine</th>
            <th>Worker</th>
            <th>Class</th>
            <th>State</th>
            <th>Jobs</th>
            <th>Heartbeat</th>
          </tr>
        </thead>
        <tbody>
          {hosts.flatMap((host) => {
            const name = `${host.host} (${host.role === 'engine' ? 'engine' : 'shoebox worker'})`;
            const heartbeat = host.gone ? `gone since ${new Date(host.at).toLocaleTimeString()}` : new Date(host.at).toLocaleTimeString();
            const rows = host.workers.map((w) => (
              <tr key={`${host.host}/${host.role}/${w.id}`} data-testid="host-worker" className={host.gone ? 'muted' : undefined}>
                <td>{name}</td>
                <td>{w.id}</td>
                <td>{w.workerClass}</td>
                <td>{host.gone ? 'gone' : w.state}</td>
                <td>{w.jobsDone}</td>
                <td className={host.gone ? 'warn' : undefined}>{heartbeat}</td>
              </tr>
            ));
            if (host.refusal) {
              rows.unshift(
                <tr key={`${host.host}/${host.role}/refusal`}>
                  <td>{name}</td>
                  <td colSpan={5} className="warn">
                    refusing work: {host.refusal}
                  </td>
                </tr>,
              );
            }
            return rows;
          })}
        </tbody>
      </table>
    </section>
  );
}
