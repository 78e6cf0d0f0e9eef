rule table:
    wildcard_constraints:
        table="|".join(METRICS),
    input:
        table_scores,
    output:
        csv=report("results/tables/{table}.csv", caption="../report/table.rst", category="Tables"),
        md="results/tables/{table}.md",
        tex="results/tables/{table}.tex",
    log:
        "logs/table/{table}.log",
    params:
        title=table_title,
        code=code("table.py"),
    script:
        "../../scripts/table.py"


rule claims:
    input:
        **{table: f"results/tables/{table}.csv" for table in ("reconstruction", "samples", "latents", "rate")},
    output:
        csv=report("results/tables/claims.csv", caption="../report/claims.rst", category="Tables"),
        md="results/tables/claims.md",
        tex="results/tables/claims.tex",
    log:
        "logs/table/claims.log",
    params:
        claims=config["claims"],
        shapes=config["data"]["shapes"],
        sigma=config["figures"]["sigma"],
        code=code("claims.py"),
    script:
        "../../scripts/claims.py"
