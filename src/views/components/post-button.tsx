import type { ComponentChildren } from 'preact';
import { CsrfField } from './csrf-field.js';

export interface PostButtonProps {
  readonly action: string;
  readonly csrfToken: string;
  /** The button's text. */
  readonly label: string;
  /** What the button does, for screen readers, where the label alone is ambiguous (one per table row). */
  readonly ariaLabel?: string | undefined;
  readonly danger?: boolean | undefined;
  /** Fields posted with it (e.g. a reason). */
  readonly children?: ComponentChildren;
}

/** A POST button in its own CSRF-checked form: ending a session, revoking a token or a link, an admin action. */
export function PostButton({ action, csrfToken, label, ariaLabel, danger, children }: PostButtonProps) {
  return (
    <form method="post" action={action} class="inline-form">
      <CsrfField token={csrfToken} />
      {children}
      <button type="submit" class={danger ? 'danger' : undefined} aria-label={ariaLabel}>
        {label}
      </button>
    </form>
  );
}
