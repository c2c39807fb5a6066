/**
 * Derives the JSON Schema of every transaction's result from its TypeScript type in chaincode/src/api
 * (ContractApi), so the schemas GetMetadata publishes are the types clients compile against (ADR 0028).
 * Written to chaincode/src/api/schemas.generated.json; a unit test fails when that file is stale.
 *
 *   npx tsx chaincode/scripts/result-schemas.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

type JsonSchema = { [keyword: string]: unknown };

export interface GeneratedSchemas {
  /** `Contract:function` → the JSON Schema of its result. */
  readonly results: Readonly<Record<string, JsonSchema>>;
  /** Types a request member is validated against by code of its own (the tariff). */
  readonly types: Readonly<Record<string, JsonSchema>>;
}

const API = path.join(__dirname, '..', 'src', 'api', 'index.ts');
const PRICING = path.join(__dirname, '..', 'src', 'pricing', 'index.ts');
export const OUTPUT = path.join(__dirname, '..', 'src', 'api', 'schemas.generated.json');

export function generateSchemas(): GeneratedSchemas {
  const program = ts.createProgram([API, PRICING], { strict: true, target: ts.ScriptTarget.ES2022, noEmit: true });
  const checker = program.getTypeChecker();
  const exportedType = (file: string, name: string): ts.Type => {
    const source = program.getSourceFile(file);
    if (source === undefined) throw new Error(`cannot read ${file}`);
    const symbol = checker.getExportsOfModule(checker.getSymbolAtLocation(source) as ts.Symbol).find((exported) => exported.name === name);
    if (symbol === undefined) throw new Error(`${name} is not exported from ${file}`);
    return checker.getDeclaredTypeOfSymbol(symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  };
  const apiType = exportedType(API, 'ContractApi');
  const memberType = (owner: ts.Type, name: string): ts.Type => {
    const symbol = owner.getProperty(name);
    if (symbol === undefined) throw new Error(`no member ${name}`);
    return checker.getTypeOfSymbol(symbol);
  };
  const results: Record<string, JsonSchema> = {};
  for (const transaction of apiType.getProperties()) {
    results[transaction.name] = schemaOf(checker, memberType(checker.getTypeOfSymbol(transaction), 'result'), []);
  }
  return { results, types: { Tariff: schemaOf(checker, exportedType(PRICING, 'Tariff'), []) } };
}

function schemaOf(checker: ts.TypeChecker, type: ts.Type, outer: readonly ts.Type[]): JsonSchema {
  if (outer.includes(type)) return {};
  const flags = type.flags;
  if (flags & ts.TypeFlags.StringLiteral) return { const: (type as ts.StringLiteralType).value };
  if (flags & ts.TypeFlags.NumberLiteral) return { const: (type as ts.NumberLiteralType).value };
  if (flags & ts.TypeFlags.BooleanLiteral) return { const: checker.typeToString(type) === 'true' };
  if (flags & ts.TypeFlags.String) return { type: 'string' };
  if (flags & (ts.TypeFlags.Number | ts.TypeFlags.BigInt)) return { type: 'number' };
  if (flags & ts.TypeFlags.Boolean) return { type: 'boolean' };
  if (flags & ts.TypeFlags.Null) return { type: 'null' };
  if (flags & (ts.TypeFlags.Unknown | ts.TypeFlags.Any)) return {};
  if (type.isUnion()) {
    const members = type.types.filter((member) => !(member.flags & ts.TypeFlags.Undefined));
    if (members.every((member) => member.flags & ts.TypeFlags.BooleanLiteral)) return { type: 'boolean' };
    if (members.every((member) => member.isStringLiteral())) return { type: 'string', enum: members.map((member) => (member as ts.StringLiteralType).value) };
    const schemas = members.map((member) => schemaOf(checker, member, outer));
    return schemas.length === 1 ? (schemas[0] as JsonSchema) : { anyOf: schemas };
  }
  if (checker.isArrayType(type) || checker.isTupleType(type)) {
    const [element] = checker.getTypeArguments(type as ts.TypeReference);
    return { type: 'array', items: element === undefined ? {} : schemaOf(checker, element, [...outer, type]) };
  }
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const property of checker.getPropertiesOfType(type)) {
    const declaration = property.valueDeclaration ?? property.declarations?.[0];
    const propertyType = declaration === undefined ? checker.getTypeOfSymbol(property) : checker.getTypeOfSymbolAtLocation(property, declaration);
    const schema = schemaOf(checker, propertyType, [...outer, type]);
    const description = ts.displayPartsToString(property.getDocumentationComment(checker)).trim();
    properties[property.name] = description === '' ? schema : { ...schema, description };
    if (!(property.flags & ts.SymbolFlags.Optional)) required.push(property.name);
  }
  const index = checker.getIndexTypeOfType(type, ts.IndexKind.String);
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    ...(index === undefined || index.flags & ts.TypeFlags.Never ? {} : { additionalProperties: schemaOf(checker, index, [...outer, type]) }),
  };
}

export function renderSchemas(schemas: GeneratedSchemas): string {
  return `${JSON.stringify(schemas, null, 1)}\n`;
}

if (require.main === module) {
  writeFileSync(OUTPUT, renderSchemas(generateSchemas()));
  process.stdout.write(`wrote ${path.relative(process.cwd(), OUTPUT)}\n`);
}
