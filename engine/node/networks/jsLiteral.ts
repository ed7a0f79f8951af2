import { parse, type Expression, type Node, type Program } from 'acorn';
import { PasticheError } from '../../common/errors.js';

/** A value a JavaScript literal can spell: what JSON holds. */
export type LiteralValue = null | boolean | number | string | LiteralValue[] | { [key: string]: LiteralValue };

/**
 * The value a browserify bundle exports (`n.exports = …` in its module 1), read from the parsed
 * source without running any of it: the bundle's wrapper code is only walked to find that one
 * assignment, and its value must be made of literals alone (see literalValue). This is how the
 * model files of npm packages such as nsfwjs ship JSON and base64 as UMD modules; a package is data
 * to Pastiche, never code. `file` names the source in errors.
 */
export function bundledExport(source: string, file: string): LiteralValue {
  let program: Program;
  try {
    program = parse(source, { ecmaVersion: 2022, sourceType: 'script' });
  } catch (error) {
    throw new PasticheError(
      `not a JavaScript module (${error instanceof Error ? error.message : String(error)})`,
      file,
    );
  }
  return literalValue(exportedExpression(program, file), file);
}

/**
 * The right side of the single `X.exports = …` statement in the body of the function that is entry
 * 1 of browserify's module table (`{1: [function (require, module, exports) {…}, {}]}`).
 */
function exportedExpression(program: Program, file: string): Expression {
  const tables = findAll(program, isModuleTable);
  if (tables.length !== 1) throw new PasticheError(`holds ${tables.length} browserify module tables, not one`, file);
  const entry = tables[0].properties.find(
    (p) => p.type === 'Property' && p.key.type === 'Literal' && p.key.value === 1,
  );
  const factory = entry?.type === 'Property' && entry.value.type === 'ArrayExpression' ? entry.value.elements[0] : null;
  if (factory?.type !== 'FunctionExpression') throw new PasticheError('its module 1 is not a function', file);
  const statements = factory.body.body;
  const statement = statements.length === 1 ? statements[0] : null;
  const assignment = statement?.type === 'ExpressionStatement' ? statement.expression : null;
  if (
    assignment?.type !== 'AssignmentExpression' ||
    assignment.operator !== '=' ||
    assignment.left.type !== 'MemberExpression' ||
    assignment.left.property.type !== 'Identifier' ||
    assignment.left.property.name !== 'exports'
  ) {
    throw new PasticheError('its module 1 does not just assign its exports', file);
  }
  return assignment.right;
}

/** browserify's module table: an object literal whose keys are numbers and values [function, {}]. */
function isModuleTable(
  node: Node,
): node is Node & { type: 'ObjectExpression'; properties: import('acorn').Property[] } {
  if (node.type !== 'ObjectExpression') return false;
  const { properties } = node as unknown as { properties: Node[] };
  return (
    properties.length > 0 &&
    properties.every((p) => {
      const property = p as import('acorn').Property;
      return (
        p.type === 'Property' &&
        property.key.type === 'Literal' &&
        typeof property.key.value === 'number' &&
        property.value.type === 'ArrayExpression' &&
        property.value.elements[0]?.type === 'FunctionExpression'
      );
    })
  );
}

/** Every node of the tree for which `test` holds, outermost first (the tree is not entered below a match). */
function findAll<T extends Node>(root: Node, test: (node: Node) => node is T): T[] {
  const found: T[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      stack.push(...node);
    } else if (isNode(node)) {
      if (test(node)) found.push(node);
      else
        for (const [key, child] of Object.entries(node))
          if (key !== 'loc' && typeof child === 'object' && child !== null) stack.push(child);
    }
  }
  return found;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/**
 * The value of an expression made only of literals: objects with plain keys, arrays, strings,
 * numbers, true/false/null, minifiers' `!0`/`!1`, and a minus before a number. Anything else — a
 * call, a name, a template, a spread, a getter, a computed key — is refused with its position.
 */
export function literalValue(node: Node, file: string): LiteralValue {
  const refuse = (what: string): never => {
    throw new PasticheError(`${what} at offset ${node.start}: only literals are read, nothing is run`, file);
  };
  switch (node.type) {
    case 'Literal': {
      const { value } = node as import('acorn').Literal;
      if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      return refuse(`a ${typeof value} literal`);
    }
    case 'ArrayExpression':
      return (node as import('acorn').ArrayExpression).elements.map((element) =>
        element ? literalValue(element, file) : refuse('a hole in an array'),
      );
    case 'ObjectExpression':
      return objectValue(node as import('acorn').ObjectExpression, file);
    case 'UnaryExpression': {
      const { operator, argument } = node as import('acorn').UnaryExpression;
      const value =
        argument.type === 'Literal' || argument.type === 'UnaryExpression'
          ? literalValue(argument, file)
          : refuse('an expression');
      if (operator === '!' && typeof value === 'number' && (value === 0 || value === 1)) return !value;
      if (operator === '-' && typeof value === 'number' && argument.type === 'Literal') return -value;
      return refuse(`'${operator}' before ${JSON.stringify(value)}`);
    }
    default:
      return refuse(`a ${node.type}`);
  }
}

function objectValue(node: import('acorn').ObjectExpression, file: string): { [key: string]: LiteralValue } {
  // A null prototype: a key `__proto__` in the file is an ordinary key, not the object's prototype.
  const object = Object.create(null) as { [key: string]: LiteralValue };
  for (const property of node.properties) {
    if (property.type !== 'Property' || property.kind !== 'init' || property.computed || property.method) {
      throw new PasticheError(
        `a computed, method, accessor or spread property at offset ${property.start}: only literals are read`,
        file,
      );
    }
    const key =
      property.key.type === 'Identifier'
        ? property.key.name
        : property.key.type === 'Literal'
          ? String(property.key.value)
          : null;
    if (key === null)
      throw new PasticheError(`a property key that is not a name or literal at offset ${property.start}`, file);
    if (Object.hasOwn(object, key))
      throw new PasticheError(`the key '${key}' twice in one object at offset ${property.start}`, file);
    object[key] = literalValue(property.value, file);
  }
  return object;
}
