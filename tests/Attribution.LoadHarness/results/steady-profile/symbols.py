# Self time per symbol of a perf recording of a .NET process, JIT frames named from /tmp/perf-PID.map
# (perf does not look there for code in the runtime's double-mapped memfd regions).
import bisect, sys, collections, subprocess
pid, data = sys.argv[1], sys.argv[2]
rows=[]
for line in open(f'/tmp/perf-{pid}.map'):
    p=line.rstrip('\n').split(' ',2)
    if len(p)<3: continue
    try: rows.append((int(p[0],16), int(p[1],16), p[2]))
    except: pass
rows.sort(); starts=[r[0] for r in rows]
def name(addr, sym):
    if sym and not sym.startswith('[unknown]') and not sym.startswith('0x'): return sym
    x=int(addr,16); i=bisect.bisect_right(starts,x)-1
    if i>=0 and rows[i][0]<=x<rows[i][0]+rows[i][1]: return rows[i][2]
    return '?'
out=subprocess.run(['perf','script','-i',data,'-F','ip,sym,dso','-G'],capture_output=True,text=True).stdout
# One line per sample (-G: no call graphs): its address, symbol and object; self time only.
self_c=collections.Counter(); total=0
for line in out.splitlines():
    line=line.strip()
    if not line: continue
    parts=line.split(None,1)
    addr=parts[0]; rest=parts[1] if len(parts)>1 else ''
    sym=rest.rsplit(' (',1)[0] if ' (' in rest else rest
    dso=rest.rsplit(' (',1)[1].rstrip(')') if ' (' in rest else ''
    n=name(addr, sym) if 'doublemapper' in dso or sym.startswith('[unknown]') else sym
    self_c[n[:110]]+=1; total+=1
for k,v in self_c.most_common(int(sys.argv[3]) if len(sys.argv)>3 else 25): print(f"{100*v/total:5.1f}% {k}")
print(total,'samples')
