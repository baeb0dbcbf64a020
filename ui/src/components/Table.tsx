import type { ReactNode } from "react";
import "./Table.css";

/** A table that scrolls under its sticky header row; `children` are the body's rows. */
export function Table({ id, columns, children }: { id?: string; columns: string[]; children: ReactNode }) {
  return (
    <div className="table-scroll">
      <table id={id} className="table">
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
