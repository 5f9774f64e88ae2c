"""Answer engines: one seam (`AnswerEngine`), several implementations, chosen by name."""
