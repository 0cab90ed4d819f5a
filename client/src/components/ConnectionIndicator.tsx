import type { ConnectionStatus, ConnectionView } from '../gameStore';
import { useCountdown } from '../useCountdown';
import styles from './ConnectionIndicator.module.css';

const LABELS: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
};

interface ConnectionIndicatorProps {
  connection: ConnectionView;
}

/** A coloured dot and words: connecting, connected, reconnecting (attempt, countdown) or disconnected. */
export function ConnectionIndicator({ connection }: ConnectionIndicatorProps) {
  const { status, detail, attempt, maxAttempts, retryAt, queued } = connection;
  const wait = useCountdown(retryAt);
  const parts: string[] = [];
  if (status === 'reconnecting' && attempt > 0) parts.push(`attempt ${attempt} of ${maxAttempts}`);
  if (detail !== '') parts.push(detail);
  if (queued > 0) parts.push(`${queued} queued`);
  return (
    <div className={styles.indicator} data-status={status}>
      <span className={`${styles.dot} ${styles[status] ?? ''}`} aria-hidden="true" />
      <span role="status" className={styles.label}>
        {LABELS[status]}
        {parts.length > 0 && <span className={styles.detail}> ({parts.join(', ')})</span>}
      </span>
      {retryAt !== null && wait > 0 && (
        <span className={styles.detail} aria-hidden="true">
          next try in {wait} s
        </span>
      )}
    </div>
  );
}
