"""What a student does: problem pages, preview, submit, their results."""
