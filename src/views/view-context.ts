/** What every page needs to draw the layout: who is signed in, and the CSRF token for its forms. */
export interface ViewContext {
  readonly user: { readonly username: string } | null;
  readonly csrfToken: string;
  readonly requestId: string;
  /** A one-time message after an action ("Details saved."), drawn at the top of the page. */
  readonly notice?: string | undefined;
  /** A link after the notice (e.g. to undo it), from the notice catalogue. */
  readonly noticeLink?: { readonly href: string; readonly label: string } | undefined;
}
