import { createToken, Lexer } from "chevrotain"

/**
 * Tokens of the rules language. Order matters where patterns overlap: percent before decimal
 * before int (`19.5%`, `19.5`, `19`), keywords before identifiers, two-character operators
 * before their one-character prefixes.
 */
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED })
export const Comment = createToken({ name: "Comment", pattern: /#[^\n]*/, group: Lexer.SKIPPED })

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/ })
const keyword = (name: string, word: string) =>
  createToken({ name, pattern: new RegExp(`${word}(?![A-Za-z0-9_])`), longer_alt: Identifier })
export const If = keyword("If", "if")
export const Then = keyword("Then", "then")
export const Else = keyword("Else", "else")
export const And = keyword("And", "and")
export const Or = keyword("Or", "or")
export const Not = keyword("Not", "not")
export const In = keyword("In", "in")
export const True = keyword("True", "true")
export const False = keyword("False", "false")
export const Null = keyword("Null", "null")

/** `@2026-01-31`: a date literal; `@` keeps it apart from subtraction of ints. */
export const DateLiteral = createToken({ name: "DateLiteral", pattern: /@\d{4}-\d{2}-\d{2}/ })
export const PercentLiteral = createToken({ name: "PercentLiteral", pattern: /\d+(?:\.\d+)?%/ })
export const DecimalLiteral = createToken({ name: "DecimalLiteral", pattern: /\d+\.\d+/ })
export const IntLiteral = createToken({ name: "IntLiteral", pattern: /\d+/ })
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/,
})

/** `l -> l.net`: an element function's variable and body. Before Minus and Gt. */
export const Arrow = createToken({ name: "Arrow", pattern: /->/ })
export const Coalesce = createToken({ name: "Coalesce", pattern: /\?\?/ })
export const EqEq = createToken({ name: "EqEq", pattern: /==/ })
export const NotEq = createToken({ name: "NotEq", pattern: /!=/ })
export const LtEq = createToken({ name: "LtEq", pattern: /<=/ })
export const GtEq = createToken({ name: "GtEq", pattern: />=/ })
export const Lt = createToken({ name: "Lt", pattern: /</ })
export const Gt = createToken({ name: "Gt", pattern: />/ })
export const Plus = createToken({ name: "Plus", pattern: /\+/ })
export const Minus = createToken({ name: "Minus", pattern: /-/ })
export const Star = createToken({ name: "Star", pattern: /\*/ })
export const Slash = createToken({ name: "Slash", pattern: /\// })
export const LParen = createToken({ name: "LParen", pattern: /\(/ })
export const RParen = createToken({ name: "RParen", pattern: /\)/ })
export const LBracket = createToken({ name: "LBracket", pattern: /\[/ })
export const RBracket = createToken({ name: "RBracket", pattern: /\]/ })
export const LBrace = createToken({ name: "LBrace", pattern: /\{/ })
export const RBrace = createToken({ name: "RBrace", pattern: /\}/ })
export const Comma = createToken({ name: "Comma", pattern: /,/ })
export const Colon = createToken({ name: "Colon", pattern: /:/ })
export const Dot = createToken({ name: "Dot", pattern: /\./ })

export const allTokens = [
  WhiteSpace, Comment,
  If, Then, Else, And, Or, Not, In, True, False, Null,
  Identifier,
  DateLiteral, PercentLiteral, DecimalLiteral, IntLiteral, StringLiteral,
  Arrow, Coalesce, EqEq, NotEq, LtEq, GtEq, Lt, Gt, Plus, Minus, Star, Slash,
  LParen, RParen, LBracket, RBracket, LBrace, RBrace, Comma, Colon, Dot,
]

/** One lexer for the process: building it validates every pattern, which is not free. */
export const lexer = new Lexer(allTokens, { ensureOptimizations: false, positionTracking: "full" })
