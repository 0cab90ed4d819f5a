import { useEffect, useLayoutEffect, useRef, type RefObject } from 'react';

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
  // The panel's size when last seen: a scroll that comes with a new size was the layout's
  // doing (a resized window), not the reader's, and must not stop the following.
  const size = useRef({ width: -1, height: -1 });
  const sizeChanged = (element: HTMLElement): boolean => {
    const { clientWidth: width, clientHeight: height } = element;
    if (width === size.current.width && height === size.current.height) return false;
    size.current = { width, height };
    return true;
  };

  useLayoutEffect(() => {
    const element = ref.current;
    if (shownView.current !== view) {
      shownView.current = view;
      following.current = true;
    }
    if (element === null) return;
    sizeChanged(element);
    if (following.current) element.scrollTop = element.scrollHeight;
  }, [content, view, ref]);

  // A panel made smaller (a narrower window, a panel beside it growing) keeps its newest
  // line in view while following.
  useEffect(() => {
    const element = ref.current;
    if (element === null || typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver(() => {
      sizeChanged(element);
      if (following.current) element.scrollTop = element.scrollHeight;
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);

  return () => {
    const element = ref.current;
    if (element === null || sizeChanged(element)) return;
    following.current = element.scrollHeight - element.scrollTop - element.clientHeight <= STICKY_DISTANCE;
  };
}
