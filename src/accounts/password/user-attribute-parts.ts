// Django splits attribute values with re.split(r"\W+", value.lower()). Python's Unicode \w is
// str.isalnum() plus "_", i.e. any letter (L*) or number (N*), so \W+ is a run of anything else.
const NON_WORD_RUN = /[^\p{L}\p{N}_]+/u;

// The parts of one attribute value Django compares a password against: each word of the
// lower-cased value, then the whole lower-cased value (empty parts are kept, as Django keeps them).
export function splitAttributeValue(value: string): string[] {
  const lowered = value.toLowerCase();
  return [...lowered.split(NON_WORD_RUN), lowered];
}
