"""The knowledge-gap loop: unanswered questions grouped into topics, turned into reviewed cards."""
