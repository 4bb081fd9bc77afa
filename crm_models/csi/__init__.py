"""Customer satisfaction index: PLS path modelling (ACSI, ECSI, retention model), index, IPMA."""
