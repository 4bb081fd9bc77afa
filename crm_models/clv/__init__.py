"""Customer lifetime value: "buy till you die" models, Gamma-Gamma spend, discounted CLV."""
