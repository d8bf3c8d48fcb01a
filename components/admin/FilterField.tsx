/** A text field of a GET filter form, showing the value filtered by. */
export function FilterField(
  { label, name, value }: { label: string; name: string; value: string | undefined },
) {
  return (
    <label>
      {label}
      <input type="text" name={name} value={value ?? ""} />
    </label>
  );
}
