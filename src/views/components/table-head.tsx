/** A table's header row, one column heading each. */
export function TableHead({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th>{column}</th>
        ))}
      </tr>
    </thead>
  );
}
