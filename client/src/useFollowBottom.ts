import { useLayoutEffect, useRef, type RefObject } from 'react';

/** How close to the bottom (px) still counts as "following" a scrolling panel. */
export const STICKY_DISTANCE = 48;

/**
 * Keeps a scrolling panel at its newest (bottom) line while the reader is there, and
 * leaves it alone while they scroll back to read. `content` changing means new lines;
 * `view` changing (another chat tab, say) starts following again. Returns the panel's
 * onScroll handler.
 */
export function useFollowBottom(
  ref: RefObject<HTMLElement | null>,
  content: unknown,
  view?: unknown,
): () => void {
  const following = useRef(true);
  const shownView = useRef(view);

  useLayoutEffect(() => {
    const element = ref.current;
    if (shownView.current !== view) {
      shownView.current = view;
      following.current = true;
    }
    if (element !== null && following.current) element.scrollTop = element.scrollHeight;
  }, [content, view, ref]);

  return () => {
    const element = ref.current;
    if (element === null) return;
    following.current = element.scrollHeight - element.scrollTop - element.clientHeight <= STICKY_DISTANCE;
  };
}
