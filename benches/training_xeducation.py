#!/usr/bin/env python3
"""X Education leads (wide shape): scikit-learn's cross-validated AUC on the
columns leadscore-train uses, for docs/training.md.

Usage: python3 benches/training_xeducation.py PATH/Leads.csv
Preprocessing as in the dataset README: numeric columns median-filled and
standardized, categorical columns one-hot ("Select" = missing, case folded),
LogisticRegression(C=1, lbfgs), 5-fold stratified CV. The leaking columns
(filled in by sales after contact) and the two id columns are dropped, as in
the leadscore-train run:

  leadscore-train fit --wide Leads.csv --id-column "Prospect ID" \\
    --label-column Converted --exclude-columns "Lead Number,Tags,Lead Quality,\\
    Lead Profile,Asymmetrique Activity Index,Asymmetrique Profile Index,\\
    Asymmetrique Activity Score,Asymmetrique Profile Score" --out /tmp/xed
"""

import sys

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

LEAKING = ["Tags", "Lead Quality", "Lead Profile", "Asymmetrique Activity Index", "Asymmetrique Profile Index",
           "Asymmetrique Activity Score", "Asymmetrique Profile Score"]
IDS = ["Prospect ID", "Lead Number"]
MISSING = {"", "select", "na", "n/a", "nan", "null", "none", "-"}


def main(path):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    y = df["Converted"].astype(int).to_numpy()
    x = df.drop(columns=IDS + LEAKING + ["Converted"])
    numeric = [c for c in x.columns if pd.to_numeric(x[c].str.strip().replace(list(MISSING), np.nan)
                                                     .replace("", np.nan), errors="coerce").notna().sum()
               == x[c].str.strip().str.lower().map(lambda v: v not in MISSING).sum()]
    categorical = [c for c in x.columns if c not in numeric]
    for c in numeric:
        x[c] = pd.to_numeric(x[c].str.strip().str.lower().map(lambda v: np.nan if v in MISSING else v), errors="coerce")
    for c in categorical:
        x[c] = x[c].str.strip().str.lower().map(lambda v: "(missing)" if v in MISSING else v)
    cv = StratifiedKFold(5, shuffle=True, random_state=1)
    variants = {
        "README preprocessing (median fill, raw numbers)": make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
        "leadscore features (missing = 0, ln(1+x))": make_pipeline(
            SimpleImputer(strategy="constant", fill_value=0.0), FunctionTransformer(np.log1p), StandardScaler()),
    }
    print(f"{len(y)} leads, {y.mean():.3f} converted; {len(numeric)} numeric: {numeric}; {len(categorical)} categorical")
    for name, numeric_pipe in variants.items():
        pre = ColumnTransformer([("num", numeric_pipe, numeric),
                                 ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=20), categorical)])
        model = make_pipeline(pre, LogisticRegression(C=1.0, max_iter=5000))
        auc = cross_val_score(model, x, y, cv=cv, scoring="roc_auc")
        print(f"scikit-learn, {name}: 5-fold ROC AUC {auc.mean():.4f} (± {auc.std():.4f})")


if __name__ == "__main__":
    main(sys.argv[1])
