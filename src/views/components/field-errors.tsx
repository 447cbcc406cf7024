export function FieldErrors({ id, errors }: { id: string; errors: readonly string[] | undefined }) {
  if (!errors || errors.length === 0) return null;
  return (
    <ul class="field-errors" id={id}>
      {errors.map((e) => (
        <li>{e}</li>
      ))}
    </ul>
  );
}
