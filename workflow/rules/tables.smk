rule table:
    input:
        table_scores,
    output:
        csv="results/tables/{table}.csv",
        md="results/tables/{table}.md",
        tex="results/tables/{table}.tex",
        # The table as a web page, shown inside the HTML report (snakemake --report).
        html=report("results/tables/{table}.html", caption="../report/table.rst", category=REPORT_TABLES,
                    labels={"table": "{table}"}),
    log:
        "logs/table/{table}.log",
    params:
        title=table_title,
        code=code("table.py"),
    localrule: True
    script:
        "../../scripts/table.py"


rule claims:
    input:
        # Every seed's scores of every metric (the claim registry picks its own; importing it here
        # would add scipy to every Snakefile parse): a claim's test reads each configuration's seeds.
        **{metric: metric_scores(metric) for metric in METRICS},
    output:
        csv="results/tables/claims.csv",
        md="results/tables/claims.md",
        tex="results/tables/claims.tex",
        html=report("results/tables/claims.html", caption="../report/claims.rst", category=REPORT_TABLES,
                    labels={"table": "claims"}),
    log:
        "logs/table/claims.log",
    params:
        claims=config["claims"],
        shapes=config["data"]["shapes"],
        sigma=config["figures"]["sigma"],
        samplers=evaluation_settings(*sampler_registry.SETTINGS),
        code=code("claims.py"),
    localrule: True
    script:
        "../../scripts/claims.py"
