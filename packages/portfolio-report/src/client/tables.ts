// A table that shows one page of rows at a time, with first/previous/next/last buttons.
import { cell, element } from './dom.js';
import { fmt } from './format.js';

export interface PagedTableOptions {
  readonly name: string;
  readonly tableId: string;
  readonly total: number;
  readonly pageSize: number;
  readonly emptyText: string;
  readonly renderRow: (index: number) => HTMLTableRowElement;
}

export interface PagedTable {
  render(): void;
  /** Shows the page holding row `index` and flashes it. */
  show(index: number): void;
  /** Only these rows (null: all of them). */
  filter(rows: number[] | null): void;
  readonly state: { page: number; rows: number[] | null; highlight: number };
  readonly table: HTMLTableElement;
}

const ACTIONS = [
  ['first', '\u00ab', 'First page'],
  ['previous', '\u2039', 'Previous page'],
  ['next', '\u203a', 'Next page'],
  ['last', '\u00bb', 'Last page'],
] as const;
type Action = (typeof ACTIONS)[number][0];

export function pagedTable(options: PagedTableOptions): PagedTable | null {
  const table = document.getElementById(options.tableId);
  const controls = document.querySelector(`.table-controls[data-table="${options.name}"]`);
  const printNote = document.querySelector(`[data-print-note="${options.name}"]`);
  if (!(table instanceof HTMLTableElement) || !controls) return null;
  const tbody = table.tBodies[0];
  const info = controls.querySelector('.pager-info');
  const pager = controls.querySelector('.pager');
  if (!tbody || !info || !pager) return null;
  const state: PagedTable['state'] = { page: 0, rows: null, highlight: -1 };
  const count = () => (state.rows ? state.rows.length : options.total);
  const rowAt = (position: number) => (state.rows ? (state.rows[position] ?? -1) : position);
  const pages = () => Math.max(1, Math.ceil(count() / options.pageSize));
  const buttons = new Map<Action, HTMLButtonElement>();
  for (const [action, label, title] of ACTIONS) {
    const button = element('button', '', label);
    button.type = 'button';
    button.title = title;
    button.setAttribute('aria-label', title);
    button.dataset.action = action;
    button.addEventListener('click', () => {
      const last = pages() - 1;
      const target = { first: 0, previous: state.page - 1, next: state.page + 1, last }[action];
      state.page = Math.max(0, Math.min(last, target));
      state.highlight = -1;
      render();
    });
    buttons.set(action, button);
    pager.appendChild(button);
  }
  const setDisabled = (actions: readonly Action[], disabled: boolean) => {
    for (const action of actions) {
      const button = buttons.get(action);
      if (button) button.disabled = disabled;
    }
  };
  function render(): void {
    const total = count();
    const from = state.page * options.pageSize;
    const to = Math.min(total, from + options.pageSize);
    const fragment = document.createDocumentFragment();
    for (let position = from; position < to; position++) {
      const index = rowAt(position);
      const row = options.renderRow(index);
      if (index === state.highlight) row.classList.add('flash');
      fragment.appendChild(row);
    }
    tbody!.textContent = '';
    if (total === 0) {
      const empty = element('tr');
      const td = cell(empty, options.emptyText, 'muted');
      td.colSpan =
        table instanceof HTMLTableElement ? (table.tHead?.rows[0]?.cells.length ?? 1) : 1;
      fragment.appendChild(empty);
    }
    tbody!.appendChild(fragment);
    info!.textContent =
      total === 0 ? 'No rows' : `Rows ${fmt(from + 1, 0)}\u2013${fmt(to, 0)} of ${fmt(total, 0)}`;
    setDisabled(['first', 'previous'], state.page === 0);
    setDisabled(['next', 'last'], state.page >= pages() - 1);
    if (printNote) {
      printNote.textContent =
        total > to - from
          ? `Printed: rows ${fmt(from + 1, 0)}\u2013${fmt(to, 0)} of ${fmt(total, 0)}; the report file holds every row.`
          : '';
    }
  }
  function show(index: number): void {
    let position = index;
    if (state.rows) {
      position = state.rows.indexOf(index);
      if (position < 0) {
        state.rows = null;
        position = index;
      }
    }
    state.page = Math.floor(position / options.pageSize);
    state.highlight = index;
    render();
  }
  function filter(rows: number[] | null): void {
    state.rows = rows;
    state.page = 0;
    state.highlight = -1;
    render();
  }
  render();
  return { render, show, filter, state, table };
}
