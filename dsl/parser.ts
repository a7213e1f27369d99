import { CstParser } from "chevrotain"
import * as T from "./tokens.js"

/**
 * The grammar, lowest precedence first:
 *   coalesce  := or ("??" or)*
 *   or        := and ("or" and)*
 *   and       := not ("and" not)*
 *   not       := "not" not | compare
 *   compare   := additive (("=="|"!="|"<"|"<="|">"|">="|"in") additive)?   -- not associative
 *   additive  := multiplicative (("+"|"-") multiplicative)*
 *   multiplicative := unary (("*"|"/") unary)*
 *   unary     := "-" unary | postfix
 *   postfix   := primary ("." Identifier)*
 *   primary   := literal | if | call-or-name | "(" expression ")" | list | record
 *   argument  := (Identifier ":")? (Identifier "->" expression | expression)
 * Rules are class properties so a misspelt SUBRULE is a TypeScript error.
 */
class RulesParser extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3 })
    this.performSelfAnalysis()
  }

  public expression = this.RULE("expression", () => {
    this.SUBRULE(this.orExpr, { LABEL: "operands" })
    this.MANY(() => {
      this.CONSUME(T.Coalesce, { LABEL: "operators" })
      this.SUBRULE2(this.orExpr, { LABEL: "operands" })
    })
  })

  private orExpr = this.RULE("orExpr", () => {
    this.SUBRULE(this.andExpr, { LABEL: "operands" })
    this.MANY(() => {
      this.CONSUME(T.Or, { LABEL: "operators" })
      this.SUBRULE2(this.andExpr, { LABEL: "operands" })
    })
  })

  private andExpr = this.RULE("andExpr", () => {
    this.SUBRULE(this.notExpr, { LABEL: "operands" })
    this.MANY(() => {
      this.CONSUME(T.And, { LABEL: "operators" })
      this.SUBRULE2(this.notExpr, { LABEL: "operands" })
    })
  })

  private notExpr = this.RULE("notExpr", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not, { LABEL: "not" })
          this.SUBRULE(this.notExpr, { LABEL: "operand" })
        },
      },
      { ALT: () => this.SUBRULE(this.compareExpr, { LABEL: "compare" }) },
    ])
  })

  private compareExpr = this.RULE("compareExpr", () => {
    this.SUBRULE(this.additive, { LABEL: "operands" })
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.EqEq, { LABEL: "operators" }) },
        { ALT: () => this.CONSUME(T.NotEq, { LABEL: "operators" }) },
        { ALT: () => this.CONSUME(T.LtEq, { LABEL: "operators" }) },
        { ALT: () => this.CONSUME(T.GtEq, { LABEL: "operators" }) },
        { ALT: () => this.CONSUME(T.Lt, { LABEL: "operators" }) },
        { ALT: () => this.CONSUME(T.Gt, { LABEL: "operators" }) },
        { ALT: () => this.CONSUME(T.In, { LABEL: "operators" }) },
      ])
      this.SUBRULE2(this.additive, { LABEL: "operands" })
    })
  })

  private additive = this.RULE("additive", () => {
    this.SUBRULE(this.multiplicative, { LABEL: "operands" })
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Plus, { LABEL: "operators" }) },
        { ALT: () => this.CONSUME(T.Minus, { LABEL: "operators" }) },
      ])
      this.SUBRULE2(this.multiplicative, { LABEL: "operands" })
    })
  })

  private multiplicative = this.RULE("multiplicative", () => {
    this.SUBRULE(this.unary, { LABEL: "operands" })
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Star, { LABEL: "operators" }) },
        { ALT: () => this.CONSUME(T.Slash, { LABEL: "operators" }) },
      ])
      this.SUBRULE2(this.unary, { LABEL: "operands" })
    })
  })

  private unary = this.RULE("unary", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus, { LABEL: "minus" })
          this.SUBRULE(this.unary, { LABEL: "operand" })
        },
      },
      { ALT: () => this.SUBRULE(this.postfix, { LABEL: "postfix" }) },
    ])
  })

  private postfix = this.RULE("postfix", () => {
    this.SUBRULE(this.primary, { LABEL: "primary" })
    this.MANY(() => {
      this.CONSUME(T.Dot)
      this.CONSUME(T.Identifier, { LABEL: "fields" })
    })
  })

  private primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.DecimalLiteral, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.IntLiteral, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.PercentLiteral, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.DateLiteral, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.True, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.False, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.Null, { LABEL: "literal" }) },
      { ALT: () => this.SUBRULE(this.ifExpr, { LABEL: "ifExpr" }) },
      { ALT: () => this.SUBRULE(this.callOrName, { LABEL: "callOrName" }) },
      { ALT: () => this.SUBRULE(this.parenExpr, { LABEL: "paren" }) },
      { ALT: () => this.SUBRULE(this.listExpr, { LABEL: "list" }) },
      { ALT: () => this.SUBRULE(this.recordExpr, { LABEL: "record" }) },
    ])
  })

  private parenExpr = this.RULE("parenExpr", () => {
    this.CONSUME(T.LParen)
    this.SUBRULE(this.expression, { LABEL: "inner" })
    this.CONSUME(T.RParen)
  })

  private ifExpr = this.RULE("ifExpr", () => {
    this.CONSUME(T.If, { LABEL: "if" })
    this.SUBRULE(this.expression, { LABEL: "cond" })
    this.CONSUME(T.Then)
    this.SUBRULE2(this.expression, { LABEL: "then" })
    this.CONSUME(T.Else)
    this.SUBRULE3(this.expression, { LABEL: "else" })
  })

  private callOrName = this.RULE("callOrName", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" })
    this.OPTION(() => {
      this.CONSUME(T.LParen, { LABEL: "open" })
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.argument, { LABEL: "args" }) })
      this.CONSUME(T.RParen, { LABEL: "close" })
    })
  })

  private argument = this.RULE("argument", () => {
    // `mode: half_even` is a named argument; `mode` alone would be a positional expression.
    this.OPTION({
      GATE: () => this.LA(1).tokenType === T.Identifier && this.LA(2).tokenType === T.Colon,
      DEF: () => {
        this.CONSUME(T.Identifier, { LABEL: "name" })
        this.CONSUME(T.Colon)
      },
    })
    this.OR([
      {
        // `l -> body`: told apart from an expression by its second token.
        ALT: () => {
          this.CONSUME2(T.Identifier, { LABEL: "param" })
          this.CONSUME(T.Arrow)
          this.SUBRULE(this.expression, { LABEL: "body" })
        },
      },
      { ALT: () => this.SUBRULE2(this.expression, { LABEL: "value" }) },
    ])
  })

  private listExpr = this.RULE("listExpr", () => {
    this.CONSUME(T.LBracket, { LABEL: "open" })
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: "items" }) })
    this.CONSUME(T.RBracket, { LABEL: "close" })
  })

  private recordExpr = this.RULE("recordExpr", () => {
    this.CONSUME(T.LBrace, { LABEL: "open" })
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.recordEntry, { LABEL: "entries" }) })
    this.CONSUME(T.RBrace, { LABEL: "close" })
  })

  private recordEntry = this.RULE("recordEntry", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Identifier, { LABEL: "key" }) },
      { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: "key" }) },
    ])
    this.CONSUME(T.Colon)
    this.SUBRULE(this.expression, { LABEL: "value" })
  })
}

/** The one parser instance: `parser.input = tokens` resets its state for the next source. */
export const parser = new RulesParser()
