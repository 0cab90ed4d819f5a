import type { ConnectionStatus } from '../store';
import styles from './ConnectionIndicator.module.css';

const LABELS: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  disconnected: 'Disconnected',
};

interface ConnectionIndicatorProps {
  status: ConnectionStatus;
  detail?: string;
}

/** A coloured dot and a word: connecting, connected or disconnected. */
export function ConnectionIndicator({ status, detail = '' }: ConnectionIndicatorProps) {
  return (
    <div className={styles.indicator} role="status" data-status={status}>
      <span className={`${styles.dot} ${styles[status] ?? ''}`} aria-hidden="true" />
      <span>{LABELS[status]}</span>
      {detail !== '' && <span className={styles.detail}>({detail})</span>}
    </div>
  );
}
