import styles from './Bar.module.css';

interface BarProps {
  /** the full name, read by screen readers: "Determination" */
  label: string;
  /** what is printed before the bar: "DP" */
  short: string;
  value: number;
  min: number;
  max: number;
  /** words after the figures (a lucidity tier) */
  detail?: string | undefined;
  /** a class for the fill's colour */
  tone: string;
}

/** A figure out of its maximum, as a bar (role=progressbar) with the numbers beside it. */
export function Bar({ label, short, value, min, max, detail, tone }: BarProps) {
  // The fill shows what is left above zero; below zero (bleeding, catatonic) it is empty.
  const share = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  const text = `${value} of ${max}${detail !== undefined ? `, ${detail}` : ''}`;
  return (
    <div className={styles.row}>
      <span className={styles.short} aria-hidden="true">
        {short}
      </span>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={min}
        aria-valuemax={max}
        aria-valuenow={value}
        aria-valuetext={text}
        className={styles.track}
        data-tone={tone}
      >
        <div className={styles.fill} data-tone={tone} style={{ width: `${share * 100}%` }} />
      </div>
      <span className={styles.figure} aria-hidden="true">
        {value}/{max}
        {detail !== undefined && <span className={styles.detail} data-tone={tone}> {detail}</span>}
      </span>
    </div>
  );
}
