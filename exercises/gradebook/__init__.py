"""What staff read: the gradebook, common wrong answers, regrades, exports to LMSs."""
