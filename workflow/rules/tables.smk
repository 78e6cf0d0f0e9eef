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
    script:
        "../../scripts/table.py"
