/** The link every account sub-page ends with. */
export function BackToAccount() {
  return (
    <p>
      <a href="/accounts/">Back to your account</a>
    </p>
  );
}
