"""Cases (办件): a citizen's application from draft to conclusion, its materials, its timeline."""
