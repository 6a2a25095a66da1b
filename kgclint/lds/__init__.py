"""GNU ld linker scripts: lexer, parser, preprocessing, and ld's matching semantics."""
