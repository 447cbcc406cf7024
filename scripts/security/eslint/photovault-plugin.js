// Lint rules for this codebase that no published plugin has (used by eslint.config.js).

// SQL statement shapes; a string with one of them and any interpolated value is built SQL.
const SQL_SHAPE = /\b(select\s[\s\S]*\bfrom\b|insert\s+into\b|update\s+[\w."`]+\s+set\b|delete\s+from\b|drop\s+(table|index|view)\b|alter\s+table\b|create\s+(table|index|view)\b|union\s+(?:all\s)?\s*select\b|where\s+[\w."`]+\s*(=|like\b|in\b))/i;
// Placeholder for an interpolated value, so the statement around it still reads as SQL.
const HOLE = ' __value__ ';

/** The text of a `+` chain of strings and values, with a placeholder for each value. */
function concatenationText(node) {
  if (node.type === 'BinaryExpression' && node.operator === '+') return concatenationText(node.left) + concatenationText(node.right);
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral') return templateText(node);
  return HOLE;
}

function templateText(node) {
  return node.quasis.map((q, i) => (i === 0 ? '' : HOLE) + (q.value.cooked ?? q.value.raw)).join('');
}

function hasValue(node) {
  if (node.type === 'BinaryExpression' && node.operator === '+') return hasValue(node.left) || hasValue(node.right);
  if (node.type === 'TemplateLiteral') return node.expressions.length > 0;
  return !(node.type === 'Literal');
}

/** @type {import('eslint').Rule.RuleModule} */
const noStringSql = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid SQL statements built by concatenating or interpolating values into strings (OWASP SQL Injection Prevention: parameterise).' },
    messages: {
      builtSql: 'SQL built from a string with an interpolated value: use Kysely\'s query builder or its parameterised sql`` tag in a repository.',
    },
    schema: [],
  },
  create(context) {
    return {
      TemplateLiteral(node) {
        // sql`...${value}` is Kysely's parameterised tag (values become bind parameters).
        if (node.parent.type === 'TaggedTemplateExpression') return;
        if (node.expressions.length > 0 && SQL_SHAPE.test(templateText(node))) context.report({ node, messageId: 'builtSql' });
      },
      BinaryExpression(node) {
        if (node.operator !== '+') return;
        // Report the outermost `+` of a chain only.
        if (node.parent.type === 'BinaryExpression' && node.parent.operator === '+') return;
        if (hasValue(node) && SQL_SHAPE.test(concatenationText(node))) context.report({ node, messageId: 'builtSql' });
      },
    };
  },
};

export default {
  meta: { name: 'photovault' },
  rules: { 'no-string-sql': noStringSql },
};
