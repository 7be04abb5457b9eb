"""Numbers for the comparison: evaluating trees at sample points with a rigorous error bound,
and comparing two sides there.

    bounds          the sample point, the failures of a point, sums of log2 error bounds
    exact           rational functions at dyadic points, with integers and Fractions
    compiler        tree -> evaluator, for any arithmetic (shared walk)
    floats          doubles with an error bound: the cheap first look at a point
    multiprecision  mpmath at rising precision: the arbiter
    sampling        seeded points over six scales and near domain boundaries
    comparison      compare(): sample until the two sides agree at enough points or differ

Imports point down this list only (an import-linter contract checks it).
"""
