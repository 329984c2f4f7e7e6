// Small DOM helpers: every value from the data goes in as text, never as HTML.

export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** "#rrggbb" with an alpha, as a CSS rgba() colour. */
export function withAlpha(hex: string, alpha: number): string {
  const value = parseInt(hex.slice(1), 16);
  return `rgba(${(value >> 16) & 255},${(value >> 8) & 255},${value & 255},${alpha})`;
}

export function cell(row: HTMLTableRowElement, text: string, className?: string) {
  const td = element('td', className ?? '', text);
  row.appendChild(td);
  return td;
}
