/**
 * A Svelte action for an element whose tooltip shows on hover and focus (class `tip-host`): Escape
 * hides it until the pointer or the focus leaves, as WCAG 1.4.13 asks of content shown on hover.
 */
export function tipHost(node: HTMLElement): { destroy(): void } {
  node.classList.add('tip-host');
  const dismiss = (event: KeyboardEvent) => {
    if (event.key === 'Escape') node.classList.add('dismissed');
  };
  const restore = () => node.classList.remove('dismissed');
  node.addEventListener('keydown', dismiss);
  node.addEventListener('mouseleave', restore);
  node.addEventListener('focusout', restore);
  return {
    destroy() {
      node.removeEventListener('keydown', dismiss);
      node.removeEventListener('mouseleave', restore);
      node.removeEventListener('focusout', restore);
    },
  };
}
