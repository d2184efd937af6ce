// A table in its scrolling wrapper: one column header per name, the rows as children.
import type { ComponentChildren } from 'preact';

export function DataTable({ columns, class: className, children }: { columns: string[]; class?: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap">
      <table class={className}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
