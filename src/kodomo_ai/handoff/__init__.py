"""People in the loop: hand-off cases, the office's hours, and how urgent a case is."""
