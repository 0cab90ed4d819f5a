import { useRef, type KeyboardEvent } from 'react';
import type { ChatState } from '../chat';
import { useFollowBottom } from '../useFollowBottom';
import styles from './ChatPanel.module.css';

interface ChatPanelProps {
  chat: ChatState;
  onSelect: (channel: string) => void;
  /** after a tab was clicked: give the focus back to the command line */
  onClicked?: () => void;
}

/** Chat by channel: one tab each (say, local, global, whisper, and any the server adds), with unread counts. */
export function ChatPanel({ chat, onSelect, onClicked }: ChatPanelProps) {
  const tabs = useRef<Record<string, HTMLButtonElement | null>>({});
  const lines = chat.lines[chat.active] ?? [];
  const scroller = useRef<HTMLDivElement>(null);
  // Like the log: the newest line stays in view unless you scrolled back to read.
  const handleScroll = useFollowBottom(scroller, lines, chat.active);

  function handleKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const index = chat.channels.indexOf(chat.active);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const count = chat.channels.length;
    const next = chat.channels[(index + step + count) % count];
    if (next === undefined) return;
    onSelect(next);
    tabs.current[next]?.focus();
  }

  return (
    <section className={styles.panel} aria-label="Chat">
      <div className={styles.tabs} role="tablist" aria-label="Chat channels" onKeyDown={handleKeyDown}>
        {chat.channels.map((channel) => {
          const unread = chat.unread[channel] ?? 0;
          const selected = channel === chat.active;
          return (
            <button
              key={channel}
              ref={(element) => {
                tabs.current[channel] = element;
              }}
              type="button"
              role="tab"
              id={`chat-tab-${channel}`}
              aria-selected={selected}
              aria-controls="chat-lines"
              tabIndex={selected ? 0 : -1}
              className={`${styles.tab} ${selected ? styles.selected : ''}`}
              data-channel={channel}
              onClick={(event) => {
                onSelect(channel);
                // A pointer click (detail > 0) hands focus back; Enter/Space on the tab keeps it.
                if (event.detail > 0) onClicked?.();
              }}
            >
              {channel}
              {unread > 0 && (
                <span className={styles.unread} aria-label={`${unread} unread`}>
                  {unread}
                </span>
              )}
            </button>
          );
        })}
      </div>
      <div
        ref={scroller}
        id="chat-lines"
        role="tabpanel"
        aria-labelledby={`chat-tab-${chat.active}`}
        className={styles.lines}
        tabIndex={0}
        onScroll={handleScroll}
      >
        {lines.length === 0 ? (
          <p className={styles.empty}>Nothing said here yet.</p>
        ) : (
          lines.map((line) => (
            <p
              key={line.id}
              className={`${styles.line} ${line.own ? styles.own : ''} ${line.history ? styles.history : ''}`}
              data-distortion={line.distortion.length > 0 ? line.distortion.join(' ') : undefined}
            >
              {line.text}
              {line.distortion.length > 0 && <span className={styles.distortion}> ({line.distortion.join(', ')})</span>}
            </p>
          ))
        )}
      </div>
    </section>
  );
}
